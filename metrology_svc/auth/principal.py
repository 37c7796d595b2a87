"""Who is calling, and what their role and jurisdiction allow."""

from dataclasses import dataclass

from metrology_svc.auth.models import Role
from metrology_svc.core.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user with the unit paths of their jurisdiction."""

    user_id: int
    name: str
    role: Role
    unit_paths: tuple[str, ...] = ()

    @property
    def sees_everything(self) -> bool:
        """Tell whether this user may read every unit (admin and viewer)."""
        return self.role in (Role.ADMIN, Role.VIEWER)

    def covers(self, path: str) -> bool:
        """Tell whether a unit path lies within this user's readable area."""
        return self.sees_everything or any(path.startswith(p) for p in self.unit_paths)

    def require_admin(self) -> None:
        """Refuse anyone but an admin."""
        if self.role is not Role.ADMIN:
            raise Forbidden(
                "Only an administrator may do this.",
                message_vi="Chỉ quản trị viên được thực hiện thao tác này.",
            )

    def require_read(self, path: str) -> None:
        """Refuse reading something outside the user's jurisdiction."""
        if not self.covers(path):
            raise Forbidden(
                "This record lies outside your jurisdiction.",
                message_vi="Bản ghi này nằm ngoài địa bàn được phân công.",
            )

    def require_write(self, path: str | None = None) -> None:
        """Refuse a write by a viewer, or by an inspector outside their jurisdiction."""
        if self.role is Role.VIEWER:
            raise Forbidden(
                "Viewers cannot change records.", message_vi="Người xem không được sửa dữ liệu."
            )
        if path is not None and self.role is Role.INSPECTOR:
            self.require_read(path)
