# The DNS zone all environments share. It does not use the app module: a
# change to modules/app plans the three environments, not this stack. Its
# state is in PostgreSQL too (backend "pg", the global database), configured
# at init like the environments'.

terraform {
  required_version = ">= 1.6"
  backend "pg" {}
}

variable "zone" {
  description = "The zone's name."
  type        = string
}

variable "environments" {
  description = "The environments that get a subdomain."
  type        = set(string)
}

module "dns" {
  source     = "../../modules/dns"
  zone       = var.zone
  subdomains = var.environments
}

output "zone" {
  description = "The zone's name."
  value       = module.dns.zone
}

output "subdomains" {
  description = "The environments' subdomains."
  value       = module.dns.subdomains
}
