-- The dashboard's language an account chose (issue 16): 'en' or 'id', NULL until the
-- account picks one (the browser's Accept-Language decides until then). Only the
-- dashboard reads it; the REST API's texts stay English.
ALTER TABLE users ADD COLUMN language TEXT;
