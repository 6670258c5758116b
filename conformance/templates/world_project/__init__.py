"""The World project ``worldspec init`` writes: ``*.tmpl`` files, ``string.Template`` syntax."""
