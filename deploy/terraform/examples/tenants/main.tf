# Tenants from a map, each through the reusable module:
#
#   eval "$(argus terraform env)"
#   export ARGUS_PROVIDER_URL=http://provider.localhost:8000 ARGUS_PROVIDER_TOKEN=argus_pk_...
#   terraform init && terraform apply

module "tenant" {
  source   = "../../modules/tenant"
  for_each = var.tenants

  slug      = each.key
  name      = each.value.name
  plan      = each.value.plan
  domains   = each.value.domains
  suspended = each.value.suspended
}
