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
    owner_id: int | None = None  # an owner account's owner

    @property
    def sees_everything(self) -> bool:
        """Tell whether this user may read every unit (admin and viewer)."""
        return self.role in (Role.ADMIN, Role.VIEWER)

    def covers(self, path: str) -> bool:
        """Tell whether a unit path lies within this user's readable area."""
        if self.role is Role.MARKET_BOARD:  # its log only (control_logs/), never a unit
            return False
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

    def require_staff(self) -> None:
        """Refuse an owner's portal account (it may use only the routes opened to it)."""
        if self.role is Role.MARKET_BOARD:
            raise Forbidden(
                "Market board accounts may only keep their market's control-scale log.",
                message_vi="Tài khoản ban quản lý chợ chỉ được ghi sổ cân đối chứng của chợ mình.",
            )
        if self.role is Role.OWNER:
            raise Forbidden(
                "Owner accounts may only read their own instruments and notices.",
                message_vi="Tài khoản chủ phương tiện chỉ được xem phương tiện đo và thông báo "
                "của mình.",
            )

    def require_instrument(self, *, path: str, owner_id: int) -> None:
        """Refuse reading an instrument outside the jurisdiction, or another owner's."""
        if self.role is Role.OWNER:
            if self.owner_id is None or owner_id != self.owner_id:
                raise Forbidden(
                    "This instrument belongs to another owner.",
                    message_vi="Phương tiện đo này thuộc chủ sở hữu khác.",
                )
            return
        self.require_read(path)

    def require_write(self, path: str | None = None) -> None:
        """Refuse a write by a viewer or owner, or by an inspector outside their jurisdiction."""
        if self.role is Role.VIEWER:
            raise Forbidden(
                "Viewers cannot change records.", message_vi="Người xem không được sửa dữ liệu."
            )
        self.require_staff()
        if path is not None and self.role is Role.INSPECTOR:
            self.require_read(path)
