"""Object storage: one bucket (S3) or directory (local) per tenant.

``Storage`` is the interface every domain uses; ``storage_from_settings`` picks the backend.
Bucket creation and deletion are idempotent: creating an existing bucket of ours is a no-op and
deleting a missing one is not an error, so provisioning and deletion can be rerun after a crash.
boto3 is blocking, so the S3 backend runs its calls in a worker thread.
"""

from __future__ import annotations

import re
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

from argus.platform.core.settings import StorageSettings

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_KEY_RE = re.compile(r"^(?!/)(?!.*\.\./)(?!.*//)[\w!\-.*'()/ ]{1,1024}$")


def check_bucket(name: str) -> str:
    if not _BUCKET_RE.match(name):
        raise ValueError(f"invalid bucket name {name!r}")
    return name


def check_key(key: str) -> str:
    if not _KEY_RE.match(key) or key.startswith("..") or "/../" in f"/{key}/":
        raise ValueError(f"invalid object key {key!r}")
    return key


class Storage(ABC):
    """A bucket-per-tenant object store."""

    def bucket_name(self, prefix: str, slug: str) -> str:
        return check_bucket(f"{prefix}{slug}")

    @abstractmethod
    async def create_bucket(self, bucket: str) -> None: ...

    @abstractmethod
    async def bucket_exists(self, bucket: str) -> bool: ...

    @abstractmethod
    async def delete_bucket(self, bucket: str) -> None:
        """Delete the bucket and every object in it; a missing bucket is not an error."""

    @abstractmethod
    async def put(self, bucket: str, key: str, data: bytes,
                  content_type: str | None = None) -> None: ...

    @abstractmethod
    async def put_file(self, bucket: str, key: str, path: Path,
                       content_type: str | None = None) -> None:
        """Upload a local file (streamed; multipart on S3). Replaces an existing object."""

    @abstractmethod
    async def get(self, bucket: str, key: str) -> bytes: ...

    @abstractmethod
    async def get_file(self, bucket: str, key: str, path: Path) -> None:
        """Download an object into a local file (streamed)."""

    @abstractmethod
    async def delete(self, bucket: str, key: str) -> None:
        """Delete one object; a missing object is not an error."""

    @abstractmethod
    async def list_keys(self, bucket: str, prefix: str = "") -> list[str]: ...

    async def presigned_url(self, bucket: str, key: str, ttl: int) -> str | None:
        """A time-limited GET URL for the object, where the backend has such a thing."""
        return None

    @abstractmethod
    async def move_to_tier(self, bucket: str, key: str, current: str, tier: str) -> str:
        """Move an object to a storage tier (``hot``, ``warm``, ``cold``); its key after.
        Idempotent: an object already moved is found where it went."""

    def local_path(self, bucket: str, key: str) -> Path | None:
        """Where the object is on this machine's disk (the directory backend only)."""
        return None

    async def ping(self) -> None:  # pragma: no cover - overridden where meaningful
        return None


class LocalStorage(Storage):
    """Directories under ``root``: ``root/<bucket>/<key>``. The laptop default."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _bucket(self, bucket: str) -> Path:
        return self.root / check_bucket(bucket)

    def _path(self, bucket: str, key: str) -> Path:
        return self._bucket(bucket) / check_key(key)

    def local_path(self, bucket: str, key: str) -> Path | None:
        return self._path(bucket, key)

    async def create_bucket(self, bucket: str) -> None:
        await anyio.Path(self._bucket(bucket)).mkdir(parents=True, exist_ok=True)

    async def bucket_exists(self, bucket: str) -> bool:
        return await anyio.Path(self._bucket(bucket)).is_dir()

    async def delete_bucket(self, bucket: str) -> None:
        path = self._bucket(bucket)
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(path, ignore_errors=True))

    async def put(self, bucket: str, key: str, data: bytes,
                  content_type: str | None = None) -> None:
        path = self._path(bucket, key)
        if not await anyio.Path(self._bucket(bucket)).is_dir():
            raise FileNotFoundError(f"bucket {bucket} does not exist")
        tmp = path.with_name(path.name + ".part")

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            tmp.replace(path)

        await anyio.to_thread.run_sync(write)

    async def put_file(self, bucket: str, key: str, path: Path,
                       content_type: str | None = None) -> None:
        target = self._path(bucket, key)
        if not await anyio.Path(self._bucket(bucket)).is_dir():
            raise FileNotFoundError(f"bucket {bucket} does not exist")
        tmp = target.with_name(target.name + ".part")

        def copy() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, tmp)
            tmp.replace(target)

        await anyio.to_thread.run_sync(copy)

    async def get(self, bucket: str, key: str) -> bytes:
        return await anyio.Path(self._path(bucket, key)).read_bytes()

    async def get_file(self, bucket: str, key: str, path: Path) -> None:
        source = self._path(bucket, key)
        await anyio.to_thread.run_sync(lambda: shutil.copyfile(source, path))

    async def move_to_tier(self, bucket: str, key: str, current: str, tier: str) -> str:
        """Tiers are directories of the bucket: ``warm/<key>``, ``cold/<key>``."""
        base = key.split("/", 1)[1] if current in ("warm", "cold") else key
        target = base if tier == "hot" else f"{tier}/{base}"
        source, dest = self._path(bucket, key), self._path(bucket, target)

        def move() -> None:
            if source.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                source.replace(dest)

        await anyio.to_thread.run_sync(move)
        return target

    async def delete(self, bucket: str, key: str) -> None:
        await anyio.Path(self._path(bucket, key)).unlink(missing_ok=True)

    async def list_keys(self, bucket: str, prefix: str = "") -> list[str]:
        base = self._bucket(bucket)

        def walk() -> list[str]:
            if not base.is_dir():
                return []
            keys = (p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())
            return sorted(k for k in keys if k.startswith(prefix) and not k.endswith(".part"))

        return await anyio.to_thread.run_sync(walk)


class S3Storage(Storage):
    """Any S3-compatible endpoint through boto3 (moto's server in tests)."""

    def __init__(self, settings: StorageSettings) -> None:
        import boto3  # here: the directory backend (and quick commands) never load it
        from botocore.config import Config
        from botocore.exceptions import ClientError

        self.ClientError = ClientError
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=settings.s3_secret_access_key,
            # Every call ends: a stalled endpoint is an error after these, never a hang.
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 3, "mode": "standard"},
                          connect_timeout=10, read_timeout=60),
        )
        self.region = settings.s3_region
        self.tier_classes = {"hot": "STANDARD", "warm": settings.s3_warm_class,
                             "cold": settings.s3_cold_class}

    async def _call(self, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(lambda: fn(**kwargs))

    async def create_bucket(self, bucket: str) -> None:
        kwargs: dict[str, Any] = {"Bucket": check_bucket(bucket)}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            await self._call(self.client.create_bucket, **kwargs)
        except self.ClientError as exc:
            if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise

    async def bucket_exists(self, bucket: str) -> bool:
        try:
            await self._call(self.client.head_bucket, Bucket=check_bucket(bucket))
        except self.ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise
        return True

    async def delete_bucket(self, bucket: str) -> None:
        check_bucket(bucket)

        def purge() -> None:
            paginator = self.client.get_paginator("list_object_versions")
            try:
                for page in paginator.paginate(Bucket=bucket):
                    objects = [{"Key": o["Key"], "VersionId": o["VersionId"]}
                               for o in page.get("Versions", []) + page.get("DeleteMarkers", [])]
                    if objects:
                        self.client.delete_objects(Bucket=bucket, Delete={"Objects": objects})
                self.client.delete_bucket(Bucket=bucket)
            except self.ClientError as exc:
                if exc.response["Error"]["Code"] != "NoSuchBucket":
                    raise

        await anyio.to_thread.run_sync(purge)

    async def put(self, bucket: str, key: str, data: bytes,
                  content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        await self._call(self.client.put_object, Bucket=check_bucket(bucket), Key=check_key(key),
                         Body=data, **extra)

    async def put_file(self, bucket: str, key: str, path: Path,
                       content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        await self._call(self.client.upload_file, Filename=str(path),
                         Bucket=check_bucket(bucket), Key=check_key(key), ExtraArgs=extra)

    async def get(self, bucket: str, key: str) -> bytes:
        try:
            result = await self._call(self.client.get_object, Bucket=check_bucket(bucket),
                                      Key=check_key(key))
        except self.ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            raise
        return await anyio.to_thread.run_sync(result["Body"].read)

    async def delete(self, bucket: str, key: str) -> None:
        await self._call(self.client.delete_object, Bucket=check_bucket(bucket), Key=check_key(key))

    async def get_file(self, bucket: str, key: str, path: Path) -> None:
        await self._call(self.client.download_file, Bucket=check_bucket(bucket),
                         Key=check_key(key), Filename=str(path))

    async def move_to_tier(self, bucket: str, key: str, current: str, tier: str) -> str:
        """The object's storage class changes in place (a copy onto itself)."""
        await self._call(self.client.copy_object, Bucket=check_bucket(bucket),
                         Key=check_key(key), CopySource={"Bucket": bucket, "Key": key},
                         StorageClass=self.tier_classes[tier], MetadataDirective="COPY")
        return key

    async def presigned_url(self, bucket: str, key: str, ttl: int) -> str | None:
        url: str = await self._call(
            self.client.generate_presigned_url, ClientMethod="get_object",
            Params={"Bucket": check_bucket(bucket), "Key": check_key(key)}, ExpiresIn=ttl)
        return url

    async def list_keys(self, bucket: str, prefix: str = "") -> list[str]:
        def collect() -> list[str]:
            paginator = self.client.get_paginator("list_objects_v2")
            keys: list[str] = []
            for page in paginator.paginate(Bucket=check_bucket(bucket), Prefix=prefix):
                keys += [o["Key"] for o in page.get("Contents", [])]
            return keys

        return await anyio.to_thread.run_sync(collect)

    async def ping(self) -> None:
        await self._call(self.client.list_buckets)


def storage_from_settings(settings: StorageSettings) -> Storage:
    if settings.backend == "s3":
        return S3Storage(settings)
    return LocalStorage(settings.root)
