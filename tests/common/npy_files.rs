//! `.npy` and `.npz` files built by hand, byte by byte, for the file tests
//! (`tests/file_safety.rs`, `tests/io_layouts.rs`): what NumPy writes, and what it never would.

use std::io::Write;

/// A `.npy` file of `descr` and `shape` (a Python tuple's text) followed by `data`.
pub fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    npy_ordered(descr, false, shape, data)
}

/// [`npy`] in C order or, if `fortran`, in Fortran order.
pub fn npy_ordered(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    let order = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

/// A `.npz` of `entries` (name without `.npy`, bytes), stored or deflated.
pub fn npz(entries: &[(&str, &[u8])], deflated: bool) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let method = if deflated {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    for (name, bytes) in entries {
        let opts = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(bytes.len() > u32::MAX as usize / 2);
        z.start_file(format!("{name}.npy"), opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    out.into_inner()
}
