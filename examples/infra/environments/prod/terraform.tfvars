environment = "prod"
cidr        = "10.30.0.0/16"

app_settings = {
  LOG_LEVEL = "warn"
}
