environment = "staging"
cidr        = "10.20.0.0/16"

app_settings = {
  LOG_LEVEL = "info"
}
