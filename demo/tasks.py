from celery import shared_task

from demo.bootstrap import DemoNotReady, demo_train_if_ready


@shared_task(name="demo.tasks.train_when_ready", bind=True, max_retries=360, ignore_result=True)
def train_when_ready(self) -> str:
    """Starts the demo tenant's first training once its uploads are loaded."""
    try:
        return demo_train_if_ready()
    except DemoNotReady:
        raise self.retry(countdown=5)
