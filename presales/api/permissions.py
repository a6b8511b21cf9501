from rest_framework import permissions

from presales.choices import Role


class IsAdminOrReadOnly(permissions.BasePermission):
    """Reference data: any signed-in user reads, only admins write."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or request.user.has_role(Role.ADMIN)


class HasRole(permissions.BasePermission):
    """``HasRole.of("sales")``: the user holds at least one of the roles."""

    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_role(*self.roles))
