environment = "dev"
cidr        = "10.10.0.0/16"

app_settings = {
  LOG_LEVEL = "debug"
}
