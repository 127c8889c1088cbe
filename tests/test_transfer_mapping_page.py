"""The mapping page says what was detected before anything is mapped: format, encoding, rows."""
from __future__ import annotations

import io
import re

from core.testing import login_client


def test_the_mapping_page_shows_the_format_encoding_and_about_how_many_rows(app, client):
    login_client(client)
    data = "Επώνυμο;Email\r\n" + "".join(f"Πελάτης {i};p{i}@example.gr\r\n" for i in range(3))
    response = client.post("/transfer/import/customers",
                           data={"file": (io.BytesIO(data.encode("cp1253")), "pelates.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    line = re.search(r'<p class="text-muted mb-3">(.*?)</p>', page, re.S).group(1)
    assert "pelates.csv" in line and "CSV" in line and "cp1253" in line
    assert "about 3 rows" in line
    # One row: the singular, in the user's language too.
    response = client.post("/transfer/import/customers",
                           data={"file": (io.BytesIO("Name\r\nAnna\r\n".encode()), "one.csv")},
                           content_type="multipart/form-data")
    assert "about 1 row<" in client.get(response.headers["Location"]).get_data(as_text=True).replace("</p>", "<")
