from django.db import models


class Document(models.Model):
    """A model with a FileField whose names must fit 40 characters."""

    title = models.CharField(max_length=100)
    file = models.FileField(upload_to="docs", max_length=40)

    class Meta:
        app_label = "docs"
