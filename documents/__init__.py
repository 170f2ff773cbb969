"""Everything rendered: certificates, letters, notices, disclosures, reports, e-mail bodies, open-data files."""
