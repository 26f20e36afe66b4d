from __future__ import annotations

from shared.settings import ServiceSettings


class CorrespondenceSettings(ServiceSettings):
    service_name: str = "correspondence"
    http_port: int = 8101
    # Largest attachment accepted through the API (bytes, after base64 decoding).
    max_attachment_bytes: int = 10 * 1024 * 1024
