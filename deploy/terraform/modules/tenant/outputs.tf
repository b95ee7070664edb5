output "id" {
  value       = argus_tenant.this.id
  description = "The tenant's id."
}

output "slug" {
  value = argus_tenant.this.slug
}

output "state" {
  value = argus_tenant.this.state
}

output "created_at" {
  value = argus_tenant.this.created_at
}
