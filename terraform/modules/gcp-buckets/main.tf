# The seed's buckets on Google Cloud Storage: <bucket_name>-raw and <bucket_name>-standard, uniform
# bucket-level access, public access prevented. Resumable uploads a crashed writer never finalised expire
# on their own (one week) and are never visible, so no lifecycle rule is needed for them.
resource "google_storage_bucket" "layer" {
  for_each                    = toset(var.layers)
  name                        = "${var.bucket_name}-${each.key}"
  project                     = var.project_id
  location                    = var.location
  storage_class               = var.storage_class
  force_destroy               = var.force_destroy
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(var.labels, { layer = each.key })
}
