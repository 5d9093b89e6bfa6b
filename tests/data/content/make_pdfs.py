"""Makes the tiny PDF fixtures of tests/data/content (run once with reportlab, outside the repo)."""
from reportlab.lib.pagesizes import A6
from reportlab.pdfgen import canvas
from reportlab.lib import pdfencrypt

def text_pdf(path, encrypt=None):
    c = canvas.Canvas(path, pagesize=A6, encrypt=encrypt, invariant=1)
    c.setTitle("Vantora Security Overview")
    y = 380
    for line in ["Security overview", "Vantora encrypts all invoice data at rest with AES-256",
                 "and in transit with TLS 1.3. Access is logged and re-", "viewed every quarter."]:
        c.drawString(20, y, line); y -= 16
    c.showPage()
    y = 380
    for line in ["Compliance", "Vantora is SOC 2 Type II certified and ISO 27001 certified.",
                 "Audit reports are available under NDA."]:
        c.drawString(20, y, line); y -= 16
    c.showPage()
    c.save()

text_pdf("two-pages.pdf")
text_pdf("encrypted.pdf", encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=40))
c = canvas.Canvas("image-only.pdf", pagesize=A6, invariant=1)
c.setFillColorRGB(0.2, 0.4, 0.8); c.rect(20, 200, 200, 150, fill=1)
c.showPage(); c.save()
