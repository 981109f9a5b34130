# The app of an environment: the hosts it runs on, the image repository they
# pull from, and its settings. The image's digest is not here: deploy.yml
# deploys a digest on these hosts, so that a release is not a Terraform change.
# Builtin `terraform_data` resources stand in for servers; a real module would
# create them and output their addresses the same way.

terraform {
  required_version = ">= 1.6"
}

variable "environment" {
  description = "The environment the app runs in (dev, staging, prod)."
  type        = string
}

variable "network" {
  description = "The name of the network the hosts join (module network's `name`)."
  type        = string
}

variable "hosts" {
  description = "SSH addresses (IP or DNS name, no port) of the hosts that run the app."
  type        = list(string)

  validation {
    condition     = length(var.hosts) > 0
    error_message = "hosts must name at least one host."
  }
  validation {
    condition     = alltrue([for host in var.hosts : can(regex("^[A-Za-z0-9][A-Za-z0-9.-]*$", host))])
    error_message = "Each of hosts must be an IP address or a DNS name, without a port or user."
  }
}

variable "image_repository" {
  description = "The image the hosts run, without tag or digest (e.g. registry.example.com/example/app)."
  type        = string
}

variable "port" {
  description = "The port the app listens on, on each host."
  type        = number
  default     = 8080
}

variable "settings" {
  description = "The app's non-secret settings. Secrets reach the hosts as the .env file of the deploy, never through Terraform."
  type        = map(string)
  default     = {}
}

resource "terraform_data" "host" {
  for_each = toset(var.hosts)
  input = {
    name    = "${var.environment}-app-${replace(each.value, ".", "-")}"
    address = each.value
    network = var.network
  }
}

resource "terraform_data" "image" {
  input = {
    repository = var.image_repository
  }
}

resource "terraform_data" "settings" {
  input = merge(var.settings, { APP_ENVIRONMENT = var.environment, APP_PORT = tostring(var.port) })
}

output "hosts" {
  description = "The hosts, in the order given."
  value       = [for host in var.hosts : terraform_data.host[host].output.address]
}

output "url" {
  description = "The app's URL, on its first host."
  value       = "http://${terraform_data.host[var.hosts[0]].output.address}:${var.port}"
}

output "image_repository" {
  description = "The image the hosts run, without tag or digest."
  value       = terraform_data.image.output.repository
}

output "settings" {
  description = "The app's non-secret settings."
  value       = terraform_data.settings.output
}
