"""The public page where anyone, a police officer say, checks that an evidence pack is unchanged
since the site exported it, and the site's public key for checking packs by hand."""
