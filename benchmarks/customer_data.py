"""Realistic generated customers for the search benchmark: names, e-mails, phones, postal codes and
tags of ten countries, with the skew real data has (a few very common names, a long tail of rare
ones). Deterministic for a seed; pure Python, no I/O.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate


def _w(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


@dataclass(frozen=True)
class Country:
    code: str
    weight: float
    first: tuple[str, ...]
    last: tuple[str, ...]
    domains: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]  # (city, state)
    phone: str  # pattern: "#" a digit, the rest literal (E.164)
    postal: str  # pattern: "#" digit, "@" upper-case letter


COUNTRIES = (
    Country(
        "US",
        40,
        _w(
            "James Mary Michael Patricia John Jennifer Robert Linda David Elizabeth William Barbara Richard "
            "Susan Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy Matthew Betty "
            "Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua "
            "Michelle Kenneth Carol Kevin Amanda Brian Melissa Timothy Deborah Ronald Stephanie"
        ),
        _w(
            "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
            "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
            "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
            "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts O'Brien"
        ),
        ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "comcast.net"),
        (
            ("San Francisco", "CA"),
            ("Los Angeles", "CA"),
            ("New York", "NY"),
            ("Chicago", "IL"),
            ("Houston", "TX"),
            ("Seattle", "WA"),
            ("Louisville", "KY"),
            ("Miami", "FL"),
            ("Denver", "CO"),
            ("Boston", "MA"),
        ),
        "+1##########",
        "#####",
    ),
    Country(
        "GB",
        12,
        _w(
            "Oliver Olivia George Amelia Harry Isla Jack Ava Jacob Emily Charlie Sophia Thomas Grace Oscar "
            "Mia William Poppy James Ella Henry Lily Alfie Evie Leo Isabella Joshua Freddie Ruby Archie"
        ),
        _w(
            "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker "
            "White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason Mitchell"
        ),
        ("gmail.com", "yahoo.co.uk", "hotmail.co.uk", "btinternet.com", "outlook.com", "sky.com"),
        (("London", ""), ("Manchester", ""), ("Birmingham", ""), ("Leeds", ""), ("Bristol", ""), ("Glasgow", "")),
        "+447#########",
        "@@# #@@",
    ),
    Country(
        "DE",
        10,
        _w(
            "Lukas Anna Leon Lea Finn Hannah Jonas Lena Paul Mia Felix Emma Maximilian Sophie Elias Marie "
            "Ben Laura Jürgen Sabine Klaus Ursula Stefan Petra Wolfgang Monika Uwe Jörg Björn Käthe"
        ),
        _w(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer "
            "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange"
        ),
        ("gmail.com", "web.de", "gmx.de", "t-online.de", "gmx.net", "outlook.de"),
        (("Berlin", "BE"), ("München", "BY"), ("Hamburg", "HH"), ("Köln", "NW"), ("Frankfurt am Main", "HE")),
        "+4915#########",
        "#####",
    ),
    Country(
        "FR",
        10,
        _w(
            "Gabriel Louise Léo Emma Raphaël Jade Louis Alice Lucas Chloé Hugo Léa Arthur Manon Jules Inès "
            "Adam Camille Maël Zoé Noé Océane Théo Anaïs Émile Hélène François Françoise Mathéo Célia"
        ),
        _w(
            "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefèvre "
            "Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Zola"
        ),
        ("gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr", "wanadoo.fr"),
        (("Paris", ""), ("Lyon", ""), ("Marseille", ""), ("Toulouse", ""), ("Nantes", ""), ("Lille", "")),
        "+336########",
        "#####",
    ),
    Country(
        "ES",
        8,
        _w(
            "María José Antonio Carmen Manuel Ana Francisco Isabel David Laura Juan Dolores Javier Pilar "
            "Daniel Lucía Jesús Cristina Carlos Marta Alejandro Sara Miguel Paula Rafael Elena Pablo Núria"
        ),
        _w(
            "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz "
            "Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez"
        ),
        ("gmail.com", "hotmail.es", "yahoo.es", "telefonica.net", "outlook.es"),
        (("Madrid", "MD"), ("Barcelona", "CT"), ("Valencia", "VC"), ("Sevilla", "AN"), ("Bilbao", "PV")),
        "+346########",
        "#####",
    ),
    Country(
        "MX",
        5,
        _w(
            "Santiago Sofía Mateo Valentina Sebastián Regina Leonardo Camila Emiliano Ximena Diego Renata "
            "Guadalupe Fernanda Alejandro Mariana Luis Andrea Jorge Daniela"
        ),
        _w(
            "Hernández García Martínez López González Pérez Rodríguez Sánchez Ramírez Cruz Flores Gómez "
            "Morales Vázquez Reyes Jiménez Torres Díaz Gutiérrez Ruiz Mendoza Aguilar"
        ),
        ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "prodigy.net.mx"),
        (("Ciudad de México", "CMX"), ("Guadalajara", "JAL"), ("Monterrey", "NLE"), ("Puebla", "PUE")),
        "+52##########",
        "#####",
    ),
    Country(
        "CA",
        5,
        _w(
            "Liam Olivia Noah Emma William Charlotte Lucas Amelia Benjamin Ava Ethan Sophia Logan Chloé "
            "Étienne Geneviève Mathieu Isabelle Connor Madison"
        ),
        _w(
            "Smith Brown Tremblay Martin Roy Wilson Macdonald Gagnon Johnson Taylor Côté Campbell Anderson "
            "Leblanc Lee Bouchard Gauthier Morin Lavoie Fortin"
        ),
        ("gmail.com", "hotmail.com", "rogers.com", "shaw.ca", "videotron.ca", "sympatico.ca"),
        (("Toronto", "ON"), ("Montréal", "QC"), ("Vancouver", "BC"), ("Calgary", "AB"), ("Ottawa", "ON")),
        "+1##########",
        "@#@ #@#",
    ),
    Country(
        "JP",
        4,
        _w(
            "Haruto Yui Sota Himari Yuto Hina Riku Mei Minato Sakura Hiroshi Yuki Takeshi Aiko Kenji Naoko "
            "Akira Emi 翔太 さくら"
        ),
        _w(
            "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada "
            "Sasaki Yamaguchi Matsumoto Inoue 佐藤 鈴木 田中"
        ),
        ("gmail.com", "yahoo.co.jp", "docomo.ne.jp", "ezweb.ne.jp", "icloud.com"),
        (("Tokyo", "13"), ("Osaka", "27"), ("Yokohama", "14"), ("Nagoya", "23"), ("Sapporo", "01")),
        "+8190########",
        "###-####",
    ),
    Country(
        "AU",
        3,
        _w(
            "Oliver Charlotte Noah Amelia Jack Isla Leo Olivia William Mia Henry Ava Thomas Grace Lachlan "
            "Matilda Cooper Zoe Mitchell Chloe"
        ),
        _w(
            "Smith Jones Williams Brown Wilson Taylor Johnson White Martin Anderson Thompson Nguyen Thomas "
            "Walker Harris Lee Ryan Robinson Kelly King"
        ),
        ("gmail.com", "bigpond.com", "outlook.com", "optusnet.com.au", "hotmail.com"),
        (("Sydney", "NSW"), ("Melbourne", "VIC"), ("Brisbane", "QLD"), ("Perth", "WA"), ("Adelaide", "SA")),
        "+614########",
        "####",
    ),
    Country(
        "NL",
        3,
        _w("Noah Emma Sem Julia Lucas Mila Liam Tess Daan Sophie Levi Zoë Finn Nora Luuk Sara Bram Eva Sander Anouk"),
        _w(
            "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|Mulder|"
            "de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer",
            "|",
        ),
        ("gmail.com", "hotmail.nl", "ziggo.nl", "kpnmail.nl", "outlook.com"),
        (("Amsterdam", ""), ("Rotterdam", ""), ("Den Haag", ""), ("Utrecht", ""), ("Eindhoven", "")),
        "+316########",
        "#### @@",
    ),
)

TAGS = _w(
    "vip newsletter wholesale returning b2b subscriber gift fragile influencer eu-vat late-payer "
    "black-friday-2024 prime local-pickup corporate student staff reseller"
)
STREETS = _w("Main Market High Station Church Park Oak Mill Bridge Victoria Elm Maple Kingsway Rue Calle Straße")
STATUSES = (("ACTIVE", 80), ("INACTIVE", 12), ("VIP", 6), ("BLOCKED", 2))
SOURCES = (("SHOPIFY", 35), ("AMAZON", 20), ("ETSY", 12), ("TIKTOK_SHOP", 10), ("SHIPSTATION", 13), ("MANUAL", 10))
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Person:
    """One generated customer, as plain text (the benchmark seals it on insert)."""

    name: str
    email: str
    phone: str
    external_id: str
    tags: list[str]
    status: str
    source: str
    total_spent: Decimal
    order_count: int
    last_order_date: datetime | None
    first_order_date: datetime | None
    deleted: bool
    addresses: list[dict[str, str]] = field(default_factory=list)


def _zipf(n: int, s: float = 1.0) -> list[float]:
    """Cumulative Zipf weights (random.choices with cum_weights skips re-summing on every call)."""
    return list(accumulate(1 / (rank + 1) ** s for rank in range(n)))


def _fill(rng: random.Random, pattern: str) -> str:
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(string.ascii_uppercase) if ch == "@" else ch
        for ch in pattern
    )


_SYLLABLES = _w("ka ri mo ta le no vi sa du ren tor bel an is ul qu ez ya wo fi gra bri st ph ol in")


class Generator:
    """Customers with country-true names, phones and postal codes; 8 % carry a rare made-up surname
    and 3 % a rare first name, so short and long queries both meet common and rare words."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self._country_w = list(accumulate(c.weight for c in COUNTRIES))
        self._first_w = {c.code: _zipf(len(c.first)) for c in COUNTRIES}
        self._last_w = {c.code: _zipf(len(c.last)) for c in COUNTRIES}
        self._tag_w = _zipf(len(TAGS), 0.8)
        self._source_w = list(accumulate(w for _, w in SOURCES))
        self._status_w = list(accumulate(w for _, w in STATUSES))
        self._emails: set[str] = set()
        self._serial = 0

    def rare_word(self) -> str:
        rng = self.rng
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()

    def person(self) -> Person:
        rng = self.rng
        self._serial += 1
        country = rng.choices(COUNTRIES, cum_weights=self._country_w)[0]
        first = (
            self.rare_word()
            if rng.random() < 0.03
            else rng.choices(country.first, cum_weights=self._first_w[country.code])[0]
        )
        last = (
            self.rare_word()
            if rng.random() < 0.08
            else rng.choices(country.last, cum_weights=self._last_w[country.code])[0]
        )
        if country.code in ("ES", "MX") and rng.random() < 0.5:
            last = f"{last} {rng.choices(country.last, cum_weights=self._last_w[country.code])[0]}"
        name = f"{first} {last}"
        email = self._email(first, last, country)
        phone = _fill(rng, country.phone) if rng.random() < 0.85 else ""
        source = rng.choices([s for s, _ in SOURCES], cum_weights=self._source_w)[0]
        status = rng.choices([s for s, _ in STATUSES], cum_weights=self._status_w)[0]
        tags = sorted({rng.choices(TAGS, cum_weights=self._tag_w)[0] for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3)))})
        orders = 0 if rng.random() < 0.15 else max(1, int(rng.expovariate(1 / 4)))
        spent = Decimal(0)
        last_order = first_order = None
        if orders:
            spent = (Decimal(int(rng.lognormvariate(4.2, 0.9) * 100)) / 100 * orders).quantize(Decimal("0.01"))
            last_order = NOW - timedelta(seconds=rng.randrange(3 * 365 * 86400))
            first_order = last_order - timedelta(seconds=rng.randrange(2 * 365 * 86400)) if orders > 1 else last_order
        addresses = [
            self._address(country, name, phone) for _ in range(rng.choices((1, 2, 3), cum_weights=(70, 95, 100))[0])
        ]
        return Person(
            name=name,
            email=email,
            phone=phone,
            external_id=self._external_id(source),
            tags=tags,
            status=status,
            source=source,
            total_spent=spent,
            order_count=orders,
            last_order_date=last_order,
            first_order_date=first_order,
            deleted=rng.random() < 0.005,
            addresses=addresses,
        )

    def _email(self, first: str, last: str, country: Country) -> str:
        rng = self.rng
        f = _ascii(first).lower() or "user"
        last_part = _ascii(last).lower().replace(" ", "").replace("'", "") or "x"
        style = rng.randrange(5)
        local = (
            f"{f}.{last_part}",
            f"{f}{last_part}{rng.randrange(100)}",
            f"{f[0]}.{last_part}{rng.randrange(1960, 2008)}",
            f"{f}_{last_part[:4]}{rng.randrange(1000)}",
            f"{last_part}.{f}",
        )[style]
        domain = rng.choice(country.domains)
        email = f"{local}@{domain}"
        while email in self._emails:
            email = f"{local}{rng.randrange(10_000)}@{domain}"
        self._emails.add(email)
        return email

    def _external_id(self, source: str) -> str:
        rng = self.rng
        if source == "SHOPIFY":
            return str(rng.randrange(10**12, 10**13))
        if source == "AMAZON":
            return "A" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=13))
        if source == "ETSY":
            return str(rng.randrange(10**8, 10**10))
        if source == "TIKTOK_SHOP":
            return str(rng.randrange(10**18, 10**19))
        if source == "SHIPSTATION":
            return f"SS-{rng.randrange(10**7, 10**8)}"
        return ""

    def _address(self, country: Country, name: str, phone: str) -> dict[str, str]:
        rng = self.rng
        city, state = rng.choice(country.cities)
        return {
            "recipient_name": name,
            "line1": f"{rng.randrange(1, 999)} {rng.choice(STREETS)} {rng.choice(('St', 'Rd', 'Ave', ''))}".strip(),
            "line2": f"Apt {rng.randrange(1, 40)}" if rng.random() < 0.2 else "",
            "city": city,
            "state": state,
            "postal_code": _fill(rng, country.postal),
            "country": country.code,
            "phone": phone,
        }


def _ascii(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch in " '"))
