"""Small, structurally valid PDFs for the tests (workflows.uploads parses every upload with pypdf)."""


def pdf_bytes(body: bytes = b"noi dung", *, pages: int = 1, extra_catalog: bytes = b"") -> bytes:
    """A deterministic PDF of `pages` blank A4 pages; `body` goes into the first page's content stream (so that
    different bodies give different files and hashes); `extra_catalog` is added to the catalogue dictionary
    (e.g. an /OpenAction for the hostile-input tests)."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages)).encode()
    content_id = 3 + pages
    stream = b"% " + body.replace(b"\r", b" ").replace(b"\n", b" ") + b"\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b" >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(pages).encode() + b" >>",
    ]
    for index in range(pages):
        contents = f" /Contents {content_id} 0 R".encode() if index == 0 else b""
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]" + contents + b" >>")
    objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
