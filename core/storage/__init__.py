"""Evidence and scan files: a local folder by default, any S3 store through the minio client.

Keys are always ``{tenant_id}/...``: a tenant's files never share a prefix with another's.
"""

from core.errors import StorageUnavailable
from core.storage.backends import LocalStorage, S3Storage, Storage, storage_from_url
from core.storage.sniff import sniff_type

__all__ = ["LocalStorage", "S3Storage", "Storage", "StorageUnavailable", "sniff_type", "storage_from_url"]
