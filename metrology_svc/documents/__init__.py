"""Official documents (Decree 30/2020/NĐ-CP): register numbers, number and date lines, layout."""
