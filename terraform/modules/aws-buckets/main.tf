# The seed's buckets on Amazon S3: <bucket_name>-raw and <bucket_name>-standard, private, encrypted,
# with a lifecycle rule that collects the parts of multipart uploads a crashed writer never completed
# (heroflow aborts them itself on failure; this catches a SIGKILL).
resource "aws_s3_bucket" "layer" {
  for_each      = toset(var.layers)
  bucket        = "${var.bucket_name}-${each.key}"
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { layer = each.key })
}

resource "aws_s3_bucket_public_access_block" "layer" {
  for_each                = aws_s3_bucket.layer
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "layer" {
  for_each = aws_s3_bucket.layer
  bucket   = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "layer" {
  for_each = aws_s3_bucket.layer
  bucket   = each.value.id
  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "layer" {
  for_each = aws_s3_bucket.layer
  bucket   = each.value.id
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }
}
