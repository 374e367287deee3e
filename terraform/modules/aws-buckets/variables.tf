variable "bucket_name" {
  description = "Name prefix of the buckets (seed 001's bucket_name); the module makes <bucket_name>-raw and <bucket_name>-standard. Globally unique."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,52}$", var.bucket_name))
    error_message = "bucket_name: 2-53 lowercase letters, digits, dots or hyphens (S3 bucket rules, leaving room for -standard)."
  }
}

variable "layers" {
  description = "Which buckets to make: raw (heroflow's Parquet output) and standard (upstream's converted layer)."
  type        = list(string)
  default     = ["raw", "standard"]
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets (handy for demos; keep false in production)."
  type        = bool
  default     = false
}

variable "versioning" {
  description = "Keep overwritten object versions (a replay overwrites the same name: versions keep the earlier file)."
  type        = bool
  default     = false
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which parts of a multipart upload that was never completed (a crashed writer) are deleted."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags on every bucket."
  type        = map(string)
  default     = { app = "heroflow" }
}
