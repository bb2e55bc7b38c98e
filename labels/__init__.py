"""Printable documents of the postal service, as a pure package: data in, PDF bytes out.

- ``render_labels``: shipping labels (nhãn bưu gửi), 100 x 150 mm or four per A4 sheet.
- ``render_zpl``: the same labels as ZPL II for thermal printers (``labels.zpl``).
- ``render_receipt``: the citizen's receipt (biên nhận / phiếu gửi hồ sơ).
- ``render_handover``: the signed hand-over record (biên bản giao nhận).
- ``render_manifest``: the postman's route sheet with a signature column (bảng kê).

No web framework and no database: callers pass frozen dataclasses. Fonts are bundled
(``labels.fonts``) so Vietnamese text renders the same on every host.
"""

from labels.handover import HandoverData, HandoverLine, render_handover
from labels.label import LabelData, Party, render_labels
from labels.manifest import ManifestData, ManifestStop, render_manifest
from labels.receipt import DocumentLine, ReceiptData, render_receipt
from labels.zpl import render_zpl

__all__ = [
    "DocumentLine",
    "HandoverData",
    "HandoverLine",
    "LabelData",
    "ManifestData",
    "ManifestStop",
    "Party",
    "ReceiptData",
    "render_handover",
    "render_labels",
    "render_manifest",
    "render_receipt",
    "render_zpl",
]
