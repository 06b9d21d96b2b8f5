DROP TABLE trust_suspended_assets;
DROP TABLE trust_reviews;
DROP TABLE trust_assessments;
DROP TABLE trust_attempts;
