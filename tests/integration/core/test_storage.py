"""Both storage backends; the S3 one against a real S3 endpoint process (moto's server)."""

from __future__ import annotations

import uuid

import pytest

from argus.platform.core.storage import LocalStorage, S3Storage, check_key


@pytest.fixture(params=["local", "s3"])
def storage(request, s3_settings, tmp_path):
    if request.param == "s3":
        return S3Storage(s3_settings.storage)
    return LocalStorage(tmp_path)


async def test_bucket_lifecycle_is_idempotent(storage):
    bucket = f"argus-t-zt{uuid.uuid4().hex[:8]}"
    assert not await storage.bucket_exists(bucket)
    await storage.create_bucket(bucket)
    await storage.create_bucket(bucket)  # again: no error
    assert await storage.bucket_exists(bucket)

    await storage.put(bucket, "recordings/2026/11/24/cam/a.mp4", b"one", "video/mp4")
    await storage.put(bucket, "thumbs/a.jpg", b"two")
    assert await storage.get(bucket, "recordings/2026/11/24/cam/a.mp4") == b"one"
    assert await storage.list_keys(bucket, "recordings/") == ["recordings/2026/11/24/cam/a.mp4"]
    await storage.delete(bucket, "thumbs/a.jpg")
    await storage.delete(bucket, "thumbs/a.jpg")  # missing: not an error
    with pytest.raises(FileNotFoundError):
        await storage.get(bucket, "thumbs/a.jpg")

    await storage.delete_bucket(bucket)  # with an object still inside
    assert not await storage.bucket_exists(bucket)
    await storage.delete_bucket(bucket)  # missing: not an error


async def test_s3_backend_talks_to_the_endpoint_process(s3_settings):
    """The bucket is visible to an independent client of the same endpoint."""
    import boto3

    storage = S3Storage(s3_settings.storage)
    bucket = f"argus-t-zt{uuid.uuid4().hex[:8]}"
    await storage.create_bucket(bucket)
    other = boto3.client("s3", endpoint_url=s3_settings.storage.s3_endpoint_url,
                         region_name="us-east-1", aws_access_key_id="test",
                         aws_secret_access_key="test")
    names = [b["Name"] for b in other.list_buckets()["Buckets"]]
    assert bucket in names
    await storage.delete_bucket(bucket)


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a//b", ""])
def test_keys_that_escape_the_bucket_are_refused(key):
    with pytest.raises(ValueError):
        check_key(key)
