variable "bucket_name" {
  description = "Seed 001's bucket_name: the prefix of <bucket_name>-raw and <bucket_name>-standard."
  type        = string
}

variable "aws_access_key_id" {
  description = "Seed 001's aws_access_key_id (empty: the standard AWS credential chain)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "aws_secret_access_key" {
  description = "Seed 001's aws_secret_access_key (empty: the standard AWS credential chain)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "region" {
  description = "AWS region of the buckets (heroflow's AWS_REGION)."
  type        = string
  default     = "us-east-1"
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets."
  type        = bool
  default     = false
}
