#!/usr/bin/python3
"""The reference: text to PDF the way Python users do it with ReportLab, on the bench grid
(A4, 10 pt, 12 pt leading, 72 pt margins: 58 lines x 75 columns, long lines wrapped).

Usage: reportlab_render.py IN OUT [--ttf PATH]   (--ttf: a registered TrueType font, else Courier)
"""
import sys

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

COLUMNS, LINES, SIZE, LEADING, MARGIN = 75, 58, 10, 12, 72


def main():
    source, target = sys.argv[1], sys.argv[2]
    font = "Courier"
    if len(sys.argv) > 4 and sys.argv[3] == "--ttf":
        pdfmetrics.registerFont(TTFont("BenchMono", sys.argv[4]))
        font = "BenchMono"
    pdf = canvas.Canvas(target, pagesize=A4)
    width, height = A4
    rows_on_page = 0
    text = None
    with open(source, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n").expandtabs(8)
            pieces = [line[i:i + COLUMNS] for i in range(0, len(line), COLUMNS)] or [""]
            for piece in pieces:
                if text is None:
                    text = pdf.beginText(MARGIN, height - MARGIN - 0.8 * SIZE)
                    text.setFont(font, SIZE, LEADING)
                text.textLine(piece)
                rows_on_page += 1
                if rows_on_page == LINES:
                    pdf.drawText(text)
                    pdf.showPage()
                    text, rows_on_page = None, 0
    if text is not None:
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()


if __name__ == "__main__":
    main()
