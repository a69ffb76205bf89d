"""Each page's pure logic: plain data in and out, tested without Streamlit or a browser."""
