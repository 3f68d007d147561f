"""Minimal PDFs written by hand, so that hostile PDF cases need no network and no new dependency.

A PDF here is a list of indirect objects plus a cross-reference table whose byte offsets are
computed as the file is written. Options cover the hostile cases the robustness tests need:
  1. text pages (Helvetica, one `Tj` per line), optionally Flate-compressed;
  2. pages with no text layer (a drawn rectangle only: what a scan looks like to a text parser);
  3. a zero-page document and a long document (one short line per page);
  4. standard security handler, RC4 40-bit (revision 2): a user password (cannot be opened
     without it) or only an owner password (opens with the empty password, copying disallowed,
     as real IMR letters are);
  5. active content that must be ignored: an OpenAction JavaScript and an embedded file;
  6. a decompression bomb: one content stream that inflates to far more than it weighs.
The text written is synthetic, in the style of a coverage guideline.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence

PAD = bytes.fromhex(
    "28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A"
)


def rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _pad(password: str) -> bytes:
    return (password.encode("latin-1") + PAD)[:32]


class _Security:
    """Standard security handler, V1 R2 (RC4, 40-bit key)."""

    def __init__(self, user: str, owner: str, permissions: int, file_id: bytes) -> None:
        okey = hashlib.md5(_pad(owner or user)).digest()[:5]
        self.o = rc4(okey, _pad(user))
        self.p = permissions
        self.key = hashlib.md5(
            _pad(user) + self.o + permissions.to_bytes(4, "little", signed=True) + file_id
        ).digest()[:5]
        self.u = rc4(self.key, PAD)

    def encrypt(self, objnum: int, data: bytes) -> bytes:
        k = hashlib.md5(self.key + objnum.to_bytes(3, "little") + b"\x00\x00").digest()[:10]
        return rc4(k, data)


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


Styled = str | tuple[str, float, bool]  # a line, or (line, font size, bold)


def content_stream(lines: Sequence[Styled]) -> bytes:
    ops = [b"BT /F1 11 Tf 14 TL 72 740 Td"]
    for line in lines:
        if isinstance(line, tuple):
            text, size, bold = line
            ops.append(b"/%s %.1f Tf (" % (b"F3" if bold else b"F1", size) + _escape(text)
                       + b") Tj T* /F1 11 Tf")
        else:
            ops.append(b"(" + _escape(line) + b") Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def make_pdf(
    pages: Sequence[Sequence[Styled] | bytes],
    *,
    compress: bool = False,
    user_password: str | None = None,
    owner_password: str | None = None,
    permissions: int = -4,
    javascript: bool = False,
    attachment: bool = False,
) -> bytes:
    """A PDF with one page per item: a list of text lines, or raw content-stream bytes."""
    file_id = hashlib.md5(repr(pages[:3]).encode() + str(len(pages)).encode()).digest()
    sec = None
    if user_password is not None or owner_password is not None:
        sec = _Security(user_password or "", owner_password or "", permissions, file_id)

    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def string(objnum: int, value: bytes) -> bytes:
        if sec is not None:
            value = sec.encrypt(objnum, value)
        return b"<" + value.hex().encode() + b">"

    def stream(objnum: int, data: bytes, extra: bytes = b"") -> bytes:
        filt = b""
        if compress:
            data, filt = zlib.compress(data, 9), b" /Filter /FlateDecode"
        if sec is not None:
            data = sec.encrypt(objnum, data)
        head = b"<< /Length %d%s%s >>\nstream\n" % (len(data), filt, extra)
        return head + data + b"\nendstream"

    catalog = add(b"")  # filled in below, once the other numbers are known
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
               b"/Encoding /WinAnsiEncoding >>")
    kids: list[int] = []
    for page in pages:
        data = page if isinstance(page, bytes) else content_stream(page)
        contents = add(b"")
        objects[contents - 1] = stream(contents, data)
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F3 %d 0 R >> >> >>"
                % (pages_obj, contents, font, bold)
            )
        )
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids)
    )
    extra = b""
    if javascript:
        js = add(b"")
        objects[js - 1] = b"<< /S /JavaScript /JS %s >>" % string(js, b"app.alert('hello');")
        extra += b" /OpenAction %d 0 R" % js
    if attachment:
        ef = add(b"")
        objects[ef - 1] = stream(ef, b"an attached file", b" /Type /EmbeddedFile")
        spec = add(b"")
        objects[spec - 1] = b"<< /Type /Filespec /F %s /EF << /F %d 0 R >> >>" % (
            string(spec, b"attached.txt"), ef
        )
        extra += b" /Names << /EmbeddedFiles << /Names [%s %d 0 R] >> >>" % (
            string(catalog, b"attached.txt"), spec
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_obj, extra)

    encrypt_ref = b""
    if sec is not None:
        enc = add(
            b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
            % (sec.o.hex().encode(), sec.u.hex().encode(), sec.p)
        )
        encrypt_ref = b" /Encrypt %d 0 R" % enc

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R%s /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1, catalog, encrypt_ref, file_id.hex().encode(), file_id.hex().encode()
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _assemble(objects: list[bytes], root: int = 1) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, xref
    )
    return bytes(out)


def reference_loop_pdf() -> bytes:
    """A page whose /Contents is object 4, and object 4 is only a reference to object 5,
    which refers back to 4: a resolver that follows references never stops."""
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"5 0 R",
        b"4 0 R",
    ])


def unmapped_glyphs_pdf(lines: Sequence[str], glyph_lines: int, glyphs_per_line: int = 30) -> bytes:
    """Text lines in Helvetica plus lines in a CID font with no Unicode mapping (no ToUnicode,
    Identity-H encoding): a parser can only report the latter as `(cid:N)`."""
    ops = [b"BT /F1 11 Tf 14 TL 72 740 Td"]
    ops += [b"(" + _escape(line) + b") Tj T*" for line in lines]
    ops.append(b"/F2 11 Tf")
    for i in range(glyph_lines):
        gids = b"".join(b"%04x" % (1 + (i * glyphs_per_line + k) % 200)
                        for k in range(glyphs_per_line))
        ops.append(b"<" + gids + b"> Tj T*")
    ops.append(b"ET")
    content = b"\n".join(ops)
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Custom /Encoding /Identity-H "
        b"/DescendantFonts [7 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Custom /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R >>",
        b"<< /Type /FontDescriptor /FontName /Custom /Flags 4 /FontBBox [0 0 1000 1000] "
        b"/ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
    ])


def bomb_pdf(inflated_mb: int = 200) -> bytes:
    """One page whose content stream inflates from ~1/1000 of its size to `inflated_mb` MB."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(inflated_mb)) + comp.flush()
    page = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        page,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>",
    ])
