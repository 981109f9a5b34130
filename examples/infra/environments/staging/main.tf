# The staging environment: its network and the app's hosts, from the shared
# modules. The state is in PostgreSQL (backend "pg"), the environment's own
# database: `conn_str` and `schema_name` are given at init
# (-backend-config), never kept here. See examples/README.md.

terraform {
  required_version = ">= 1.6"
  backend "pg" {}
}

module "network" {
  source      = "../../modules/network"
  environment = var.environment
  cidr        = var.cidr
}

module "app" {
  source           = "../../modules/app"
  environment      = var.environment
  network          = module.network.name
  hosts            = var.hosts
  image_repository = var.image_repository
  port             = var.app_port
  settings         = var.app_settings
}
