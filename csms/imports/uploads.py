"""Where an admin upload waits between its preview and its confirmation.

This is IMPORT_EXPORT_TMP_STORAGE_CLASS. The confirmation may reach another
server process than the preview did (several processes behind a load
balancer): a folder of each process's own (import-export's default,
TempFolderStorage, under /tmp) or a per-process cache would not have the
file. Uploads are kept in MEDIA_ROOT/django-import-export/ (the default
storage, or STORAGES["import_export"] when set), which every process shares
when MEDIA_ROOT is a shared volume, and which no URL serves (csms/urls.py).
Names are random (uuid4); which of them a session may confirm is checked
by csms/imports/admin.py.
"""

import datetime

from django.utils import timezone
from import_export.tmp_storages import MediaStorage

# An upload previewed and never confirmed is deleted by the first upload a
# day later (by anyone, in any process).
UPLOAD_LIFETIME = datetime.timedelta(days=1)


class UploadStorage(MediaStorage):
    def save(self, data):
        self.expired_delete()
        super().save(data)

    def expired_delete(self) -> None:
        oldest = timezone.now() - UPLOAD_LIFETIME
        try:
            _, names = self._storage.listdir(self.MEDIA_FOLDER)
        except FileNotFoundError:
            return
        for name in names:
            path = f"{self.MEDIA_FOLDER}/{name}"
            try:
                if self._storage.get_modified_time(path) < oldest:
                    self._storage.delete(path)
            except FileNotFoundError:
                pass  # Confirmed, or deleted by another process, meanwhile.
