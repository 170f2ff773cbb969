"""Public disclosures (信息公示), pure shaping: periods, rates, masking, top-N, trends, member units.

Everything here works on plain rows the registry has already aggregated in SQL
(`registry.disclosures`); nothing reads the database. The documents built here are
plain dicts that `documents.disclosures` renders, `documents.opendata` turns into
CSV and JSON, and `flows.publish` writes.

- `figures`: the period, counts and rates, sections and cities, masked complaint text;
- `members`: the member units that receive the notification letters;
- `lists`: the red and black lists and the complaint information per enterprise;
- `statistics`: the industry statistics and the notification letters.
"""
