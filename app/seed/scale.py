"""How much synthetic data: the tiny (tests), district and city scales.

Sizing (GLOSSARY.md, the 2022 report): a district is the Wangfujing reading base plus 185
ten-square-metre spaces in Dongcheng's 17 subdistricts, 20,000 families with 40,000
children, ~2,600 activities and ~90,000 attendances (family check-ins) in a year. A city is
16 districts (Dongcheng plus 15 more with generated subdistrict names).
"""

from __future__ import annotations

from app.kernel.values import frozen


@frozen
class Scale:
    name: str
    districts: int
    ten_square_per_district: int
    families_per_district: int
    titles: int
    activities_per_district: int
    attendances_per_district: int
    copies_per_district: int
    loans_per_district: int
    lead_readers_per_district: int
    history_days: int = 365
    future_days: int = 14


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 1, 6, 60, 200, 12, 300, 400, 500, 6, history_days=28),
    # ~300,000 loans a year: ~820 a day, 15 per family; the sizing's 4,000 loans + returns a
    # day is the peak the circulation scenario is measured against, not the yearly average.
    "district": Scale("district", 1, 185, 20_000, 50_000, 2_600, 90_000, 150_000, 300_000, 600),
    # Titles are one shared catalogue, not per district: the city has twice the district's.
    "city": Scale("city", 16, 185, 20_000, 100_000, 2_600, 90_000, 150_000, 300_000, 600),
}
