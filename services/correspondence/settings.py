from __future__ import annotations

from pathlib import Path

from PIL import Image
from pydantic import AnyHttpUrl, FilePath, field_validator

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
    # The head of office's position, printed under ปฏิบัติราชการแทน when someone else signs on
    # the head's behalf. Default: ผู้อำนวยการ followed by the office's name.
    office_head_position_th: str = ""
    # The Garuda emblem printed at the top of every letter (PNG or JPEG: the office's own file of
    # the official emblem). Unset, the letter shows a marked empty frame in its place.
    letter_emblem_file: FilePath | None = None
    # The office's PDF signing certificate: a PEM bundle (RSA key, certificate, chain). Default:
    # <var>/keys/letter-signing.pem, self-signed in the office's name on first use.
    letter_signing_file: Path | None = None
    # An RFC 3161 timestamp authority: set, every issued letter carries its timestamp (PAdES
    # B-T); unset, the signature is PAdES B-B, dated by the office's own clock.
    letter_timestamp_url: AnyHttpUrl | None = None

    @field_validator("letter_emblem_file")
    @classmethod
    def _an_image(cls, path: Path | None) -> Path | None:
        # Found out at start, not on the first letter of the day.
        if path is not None:
            try:
                with Image.open(path) as image:
                    image.verify()
            except Exception as error:
                raise ValueError(f"{path}: not an image file the letter can print "
                                 f"({error})") from error
        return path

    @property
    def letter_signing_path(self) -> Path:
        return self.letter_signing_file or self.var_dir / "keys" / "letter-signing.pem"

    @property
    def head_position_th(self) -> str:
        return self.office_head_position_th or f"ผู้อำนวยการ{self.office_name_th}"
