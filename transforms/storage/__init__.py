"""Plain storage logic (no Beam pipeline code): Parquet files, packed rows and the run's staging area."""
