from __future__ import annotations

from pathlib import Path

from shared.settings import ServiceSettings


class CorrespondenceSettings(ServiceSettings):
    service_name: str = "correspondence"
    http_port: int = 8101
    # Largest attachment accepted through the API (bytes, after base64 decoding).
    max_attachment_bytes: int = 10 * 1024 * 1024
    # The printed letter (GET /documents/{id}/letter.pdf): the letterhead and the owner's line.
    office_address_th: str = "ถนนราชดำเนิน อำเภอเมือง จังหวัดตัวอย่าง 10000"
    group_name_th: str = "กลุ่มนโยบายและแผน"
    group_phone_th: str = "โทร. 0 2000 0000"
    # The office's PDF signing certificate: a PEM bundle (RSA key, certificate, chain). Default:
    # <var>/keys/letter-signing.pem, self-signed in the office's name on first use.
    letter_signing_file: Path | None = None

    @property
    def letter_signing_path(self) -> Path:
        return self.letter_signing_file or self.var_dir / "keys" / "letter-signing.pem"
