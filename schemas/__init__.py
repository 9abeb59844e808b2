"""newsbeam's data contracts, each with a schema version: the article and rejected rows (`article`, `rejected`),
the records that flow between stages (`document`) and the state tables kept between runs (`state`, `unchanged`).

Nothing is imported here, so that reading one contract (say `schemas.document`, which needs no pyarrow) does not
load the others."""
