variable "bucket_name" {
  description = "Seed 001's bucket_name: the prefix of <bucket_name>-raw and <bucket_name>-standard."
  type        = string
}

variable "project_id" {
  description = "Seed 001's project_id (heroflow's GCP_PROJECT_ID)."
  type        = string
}

variable "storage_class" {
  description = "Seed 001's storage_class."
  type        = string
  default     = "REGIONAL"
}

variable "location" {
  description = "Bucket location (a region for REGIONAL)."
  type        = string
  default     = "US-CENTRAL1"
}

variable "credentials_file" {
  description = "Service-account JSON (seed 001: ./gcloud_cred.json); heroflow reads the same file through GOOGLE_APPLICATION_CREDENTIALS."
  type        = string
  default     = "./gcloud_cred.json"
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets."
  type        = bool
  default     = false
}
