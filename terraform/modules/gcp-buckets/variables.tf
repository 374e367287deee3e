variable "bucket_name" {
  description = "Name prefix of the buckets (seed 001's bucket_name); the module makes <bucket_name>-raw and <bucket_name>-standard. Globally unique."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{1,52}$", var.bucket_name))
    error_message = "bucket_name: 2-53 lowercase letters, digits, dots, underscores or hyphens (GCS bucket rules)."
  }
}

variable "project_id" {
  description = "GCP project that owns the buckets (seed 001's project_id): heroflow's GCP_PROJECT_ID."
  type        = string
}

variable "storage_class" {
  description = "Storage class (seed 001 uses REGIONAL; STANDARD is today's name for it)."
  type        = string
  default     = "REGIONAL"
  validation {
    condition     = contains(["STANDARD", "REGIONAL", "MULTI_REGIONAL", "NEARLINE", "COLDLINE", "ARCHIVE"], var.storage_class)
    error_message = "storage_class: one of STANDARD, REGIONAL, MULTI_REGIONAL, NEARLINE, COLDLINE, ARCHIVE."
  }
}

variable "location" {
  description = "Bucket location (a region for REGIONAL)."
  type        = string
  default     = "US-CENTRAL1"
}

variable "layers" {
  description = "Which buckets to make: raw (heroflow's Parquet output) and standard (upstream's converted layer)."
  type        = list(string)
  default     = ["raw", "standard"]
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels on every bucket."
  type        = map(string)
  default     = { app = "heroflow" }
}
