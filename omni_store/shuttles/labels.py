"""Parcel labels: what they say, drawn as server-side SVG (QR, Code 128) and as ZPL.

The SVGs carry no style attributes (the CSP forbids inline styles): bars and modules are
plain shapes, black by default, sized by the stylesheet.
"""
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import quoteattr

import barcode
import qrcode
import qrcode.image.svg
from babel.dates import format_datetime
from flask_babel import get_locale
from markupsafe import Markup

from omni_store.core.clock import local
from omni_store.shuttles.models import Parcel, ParcelKind

# Zebra 203 dpi on a 4 × 6 inch label: 812 × 1218 dots.
ZPL_WIDTH = 812
ZPL_LENGTH = 1218


@dataclass(frozen=True)
class LabelData:
    code: str
    kind: ParcelKind
    origin: str  # "PAR-BAS · Paris Bastille"
    destination_code: str  # the big line: a store code, or the customer's town for a carrier
    destination_name: str
    run_line: str  # "PAR-BAS → PAR-RIV · 10/03/2026 16:00" or the carrier's service
    tracking_number: str | None
    units: int
    rolled_over: bool
    order_number: str | None


def label_data(parcel: Parcel) -> LabelData:
    origin = parcel.origin
    if parcel.kind == ParcelKind.CARRIER and parcel.order is not None:
        order = parcel.order
        destination_code = order.customer.last_name.upper() or order.customer.first_name.upper()
        destination_name = order.ship_address
    else:
        destination = parcel.destination
        destination_code, destination_name = destination.code, destination.name
    if parcel.run is not None:
        run = parcel.run
        run_line = f"{origin.code} → {destination_code} · {departure_text(run.departure_at, origin.timezone)}"
    else:
        run_line = parcel.carrier
    return LabelData(
        code=parcel.code,
        kind=parcel.kind,
        origin=f"{origin.code} · {origin.name}",
        destination_code=destination_code,
        destination_name=destination_name,
        run_line=run_line,
        tracking_number=parcel.tracking_number,
        units=sum(line.quantity for line in parcel.lines),
        rolled_over=parcel.rolled_over,
        order_number=parcel.order.number if parcel.order else None,
    )


def departure_text(moment: datetime, timezone: str) -> str:
    """A departure as the origin store's clock shows it, in the reader's language."""
    return format_datetime(local(moment, timezone), "EEE d MMM HH:mm", locale=str(get_locale()))


def qr_svg(text: str) -> Markup:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    svg = image.to_string(encoding="unicode")
    return Markup(svg.replace("<svg ", '<svg class="label-qr" role="img" aria-hidden="true" ', 1))


def code128_svg(text: str, bar_height: int = 40) -> Markup:
    """Code 128 as one SVG path: one unit of width per module, scaled by the stylesheet."""
    modules = barcode.Code128(text).build()[0]
    quiet = 10
    bars, x = [], quiet
    for bit in modules:
        if bit == "1":
            bars.append(f"M{x},0h1v{bar_height}h-1z")
        x += 1
    width = x + quiet
    return Markup(
        f'<svg class="label-code128" role="img" aria-hidden="true" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {bar_height}" preserveAspectRatio="none">'
        f'<path d={quoteattr("".join(bars))}/></svg>'
    )


def _zpl_field(text: str) -> str:
    """Field data with ^FH: the characters ZPL treats as commands are written in hex."""
    return "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in text)


def zpl(label: LabelData, texts: dict[str, str]) -> str:
    """The label for a Zebra printer at 203 dpi on 4 × 6 inch stock (^CI28: UTF-8 text).

    `texts` holds the translated words ("contents", "rolled over") in the user's language.
    """
    lines = [
        "^XA", "^CI28", f"^PW{ZPL_WIDTH}", f"^LL{ZPL_LENGTH}", "^LH0,0",
        f"^FO40,40^A0N,32,32^FH^FD{_zpl_field(label.origin)}^FS",
        f"^FO40,90^A0N,120,120^FH^FD{_zpl_field(label.destination_code)}^FS",
        f"^FO40,220^A0N,40,40^FB730,2,0,L^FH^FD{_zpl_field(label.destination_name)}^FS",
        f"^FO40,320^A0N,36,36^FB730,2,0,L^FH^FD{_zpl_field(label.run_line)}^FS",
        f"^FO40,410^A0N,36,36^FH^FD{_zpl_field(texts['contents'])}^FS",
    ]
    if label.rolled_over:
        lines += ["^FO30,460^GB752,70,70^FS",
                  f"^FO50,475^A0N,40,40^FR^FH^FD{_zpl_field(texts['rolled_over'])}^FS"]
    barcode_value = label.tracking_number or label.code
    lines += [
        f"^FO60,560^BY3^BCN,180,Y,N,N^FH^FD{_zpl_field(barcode_value)}^FS",
        f"^FO260,820^BQN,2,8^FH^FDQA,{_zpl_field(label.code)}^FS",
        "^XZ",
    ]
    return "\n".join(lines) + "\n"
