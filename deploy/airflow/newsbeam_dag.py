"""Airflow: newsbeam every hour on Dataflow, through the Beam provider's BeamRunPythonPipelineOperator.

The operator runs `py_interpreter py_options py_file --name=value …`, here
`python3 -m pipeline.cli run --runner=DataflowRunner --input=… --reference_date=…` (newsbeam installed where
the task runs, as in the image at /opt/newsbeam): `newsbeam run` takes the options by their argparse names
as they are, waits for the Dataflow job and verifies the output, so the task fails when the rows the job
reports are not in the files. Workers run the newsbeam image (`sdk_container_image`), built from
deploy/Dockerfile.

After the run, task `report` writes the report page next to the dataset (`newsbeam report`, reading gs://
through gcsfs: `pip install 'newsbeam[gcs]'` where the task runs); it runs after a failed ingest too
(trigger rule all_done), since the page is where a failed run shows.

Needs apache-airflow-providers-apache-beam and apache-airflow-providers-google on the Airflow side.
Settings come from Airflow Variables: newsbeam_bucket, newsbeam_project, newsbeam_region, newsbeam_image.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow import DAG
from airflow.providers.apache.beam.operators.beam import BeamRunPythonPipelineOperator
from airflow.providers.google.cloud.operators.dataflow import DataflowConfiguration

try:  # Airflow 3: the standard provider; Airflow 2: airflow.operators
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator  # type: ignore[no-redef]

NEWSBEAM_HOME = os.environ.get("NEWSBEAM_HOME", "/opt/newsbeam")
BUCKET = "{{ var.value.newsbeam_bucket }}"
RUN_ID = "{{ ts_nodash }}-airflow"
OUTPUT = f"gs://{BUCKET}/news/articles"

PIPELINE_OPTIONS = {
    # newsbeam's options, by the names of deploy/flex/metadata.json (`newsbeam run` takes them as they are)
    "input": f"gs://{BUCKET}/news/inbox/{{{{ ds }}}}/**",
    "output": OUTPUT,
    "reference_date": "{{ ds }}",
    "run_id": RUN_ID,
    # Beam's and Dataflow's own
    "temp_location": f"gs://{BUCKET}/tmp",
    "sdk_container_image": "{{ var.value.newsbeam_image }}",
    "max_num_workers": "10",
}

with DAG(
    dag_id="newsbeam_hourly",
    description="Ingest the hour's inbox with newsbeam on Dataflow; the task fails when the output does not verify.",
    schedule="17 * * * *",
    start_date=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": dt.timedelta(minutes=10)},
    tags=["newsbeam"],
) as dag:
    ingest = BeamRunPythonPipelineOperator(
        task_id="ingest",
        runner="DataflowRunner",
        # py_interpreter + py_options + py_file: `python3 -m pipeline.cli run`, then the options
        py_interpreter="python3",
        py_options=["-m", "pipeline.cli"],
        py_file="run",
        pipeline_options=PIPELINE_OPTIONS,
        dataflow_config=DataflowConfiguration(
            job_name="newsbeam-{{ ts_nodash | lower }}",
            project_id="{{ var.value.newsbeam_project }}",
            location="{{ var.value.newsbeam_region }}",
            wait_until_finished=True,
        ),
    )
    report = BashOperator(
        task_id="report",
        bash_command=f"cd {NEWSBEAM_HOME} && python3 -m pipeline.cli report --output {OUTPUT} "
        f"--out gs://{BUCKET}/news/report.html --days 30",
        trigger_rule="all_done",
    )
    ingest >> report
