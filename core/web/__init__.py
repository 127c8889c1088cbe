"""The staff web shell: layout, navigation, dashboard, global search, errors."""
