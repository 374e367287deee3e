# Seed 001's ./cloud/gcp: the service-account JSON is named in the provider "for easier understanding".
provider "google" {
  credentials = file(var.credentials_file)
  project     = var.project_id
}

module "buckets" {
  source        = "../modules/gcp-buckets"
  bucket_name   = var.bucket_name
  project_id    = var.project_id
  storage_class = var.storage_class
  location      = var.location
  force_destroy = var.force_destroy
}
