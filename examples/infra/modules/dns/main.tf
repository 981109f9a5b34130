# A DNS zone and the subdomains delegated to the environments. A real stack
# would create them at a DNS provider; builtin `terraform_data` stands in.

terraform {
  required_version = ">= 1.6"
}

variable "zone" {
  description = "The zone's name, e.g. example.internal."
  type        = string
}

variable "subdomains" {
  description = "Names of the subdomains delegated to the environments (e.g. dev, staging, prod)."
  type        = set(string)
  default     = []
}

resource "terraform_data" "zone" {
  input = {
    name = var.zone
  }
}

resource "terraform_data" "subdomain" {
  for_each = var.subdomains
  input = {
    name = "${each.value}.${terraform_data.zone.output.name}"
  }
}

output "zone" {
  description = "The zone's name."
  value       = terraform_data.zone.output.name
}

output "subdomains" {
  description = "The delegated subdomains, by environment."
  value       = { for name, subdomain in terraform_data.subdomain : name => subdomain.output.name }
}
