output "tenant_ids" {
  value       = { for slug, t in module.tenant : slug => t.id }
  description = "slug => tenant id"
}

output "tenant_hosts" {
  value       = { for slug, t in module.tenant : slug => "${slug}.localhost" }
  description = "slug => the tenant's default host on the demo's base domain"
}
