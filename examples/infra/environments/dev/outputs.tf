output "hosts" {
  description = "Inventory groups for ansible-deploy (terraform-hosts-output: hosts): group name to SSH addresses."
  value       = { app = module.app.hosts }
}

output "app_url" {
  description = "The app's URL, for the smoke test after a deploy."
  value       = module.app.url
}

output "app_port" {
  description = "The port the app listens on, on each host: the deploy starts it there."
  value       = var.app_port
}

output "image_repository" {
  description = "The image the hosts run, without tag or digest: the deploy pins a digest of it."
  value       = module.app.image_repository
}

output "environment" {
  description = "The environment's name."
  value       = var.environment
}
