typedef int quire_placeholder_unit; /* removed once the module has real code */
