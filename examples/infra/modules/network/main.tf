# The network an environment's hosts sit in. A real stack would create a VPC
# and its subnets here; builtin `terraform_data` stands in for them, so that
# `terraform init` downloads no provider and the stack plans offline.

terraform {
  required_version = ">= 1.6"
}

variable "environment" {
  description = "The environment the network belongs to (dev, staging, prod)."
  type        = string
}

variable "cidr" {
  description = "The network's address range."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be an address range such as 10.10.0.0/16."
  }
}

resource "terraform_data" "network" {
  input = {
    name = "${var.environment}-network"
    cidr = var.cidr
  }
}

output "name" {
  description = "The network's name."
  value       = terraform_data.network.output.name
}

output "cidr" {
  description = "The network's address range."
  value       = terraform_data.network.output.cidr
}
