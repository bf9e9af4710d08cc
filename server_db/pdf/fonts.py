"""The Chinese font printed documents use, found on the system: we ship no font files.

reportlab embeds only TrueType-outline fonts. Fonts with CFF (PostScript) outlines, such as Noto Sans CJK
and macOS's PingFang, are refused by it, so each candidate is tried in turn until one registers.
Registering costs about 60 ms, so it happens once per process, on first use.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

REGULAR = "ERP-CJK"
ENV_VARIABLE = "ERP_CJK_FONT"

_WINDOWS = (
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/msyh.ttf",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
)
_LINUX = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
# PingFang (/System/Library/Fonts/PingFang.ttc) has CFF outlines: reportlab cannot embed it.
_MACOS = ("/Library/Fonts/Arial Unicode.ttf", "/System/Library/Fonts/Supplemental/Arial Unicode.ttf")


class FontNotFound(Exception):
    """No usable Chinese font on this computer; the message says what to install."""

    def __init__(self, tried: list[str]) -> None:
        super().__init__(
            "No Chinese font found: install fonts-wqy-microhei (Debian/Ubuntu) or set ERP_CJK_FONT to a .ttf/.ttc file."
        )
        self.tried = tried


@dataclass(frozen=True)
class DocumentFont:
    regular: str
    bold: str
    description: str  # e.g. "WenQuanYi Micro Hei (/usr/share/fonts/truetype/wqy/wqy-microhei.ttc)"
    path: str


_lock = threading.Lock()
_registered: DocumentFont | None = None


def registered_font() -> DocumentFont:
    """The registered font, registering it on first use. Raises FontNotFound."""
    global _registered
    if _registered is None:
        with _lock:  # printing may start in several worker threads at once
            if _registered is None:
                _registered = _register()
    return _registered


def candidates() -> Iterator[str]:
    """Font files to try, best first: ERP_CJK_FONT, then the usual places on Windows, Linux and macOS."""
    chosen = os.environ.get(ENV_VARIABLE, "").strip()
    if chosen:
        yield chosen
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", "C:/Windows").replace("\\", "/")
        yield from (path.replace("C:/Windows", windir) for path in _WINDOWS)
    elif sys.platform == "darwin":
        yield from _MACOS
    else:
        yield from _LINUX
        yield from _fontconfig_chinese_fonts()


def _fontconfig_chinese_fonts() -> Iterator[str]:
    """Chinese-capable TrueType files fontconfig knows of (other distributions put fonts elsewhere)."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return
    try:
        output = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return
    # lines look like "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc: "; .otf files are CFF, skip them
    files = sorted({line.split(":", 1)[0].strip() for line in output.splitlines()})
    yield from (path for path in files if path.lower().endswith((".ttf", ".ttc")))


def _register() -> DocumentFont:
    tried: list[str] = []
    for path in candidates():
        if path in tried:
            continue
        tried.append(path)
        if not Path(path).is_file():
            continue
        try:
            # the first face of a collection is the regular one (msyh.ttc, wqy-microhei.ttc)
            regular = TTFont(REGULAR, path, subfontIndex=0)
        except Exception as exc:  # TTFError for CFF outlines, struct errors for damaged files
            if path == os.environ.get(ENV_VARIABLE, "").strip():
                log.warning(
                    "%s=%s cannot be embedded in PDFs (%s); trying the system's fonts.", ENV_VARIABLE, path, exc
                )
            continue
        pdfmetrics.registerFont(regular)
        # Chinese system fonts rarely come with a bold face; the same face is used for bold, and headings
        # are thickened by stroking their outlines (pages.draw_bold).
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=REGULAR, italic=REGULAR, boldItalic=REGULAR)
        family = _text(regular.face.familyName) or Path(path).stem
        return DocumentFont(REGULAR, REGULAR, f"{family} ({path})", path)
    raise FontNotFound(tried)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
