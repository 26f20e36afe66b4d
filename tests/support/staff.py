"""Positions of the test office's staff, as the staff directory keeps them (a signer's is printed
under the signature on every letter, so the directory refuses a signer without one)."""

from __future__ import annotations

HEAD_OF_OFFICE_TH = "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาตัวอย่าง เขต 1"
POSITIONS_TH = {
    "esa-1": HEAD_OF_OFFICE_TH,
    "dep-1": "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาตัวอย่าง เขต 1",
    "dir-1": "ผู้อำนวยการกลุ่มนโยบายและแผน",
    "clerk-1": "เจ้าพนักงานธุรการ",
}


def position_th(officer_id: str) -> str:
    return POSITIONS_TH.get(officer_id, "นักวิเคราะห์นโยบายและแผน")
